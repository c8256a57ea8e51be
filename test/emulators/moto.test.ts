import { describe, expect, it } from 'vitest';
import { MotoServer } from './moto.ts';

describe('Class: MotoServer', () => {
  describe('Method: start', () => {
    it('says how to install moto_server when it is not on the PATH', async () => {
      await expect(MotoServer.start({ command: 'moto_server_not_installed' })).rejects.toThrow(
        "moto_server_not_installed is not installed (not on the PATH): pip install 'moto[server]'",
      );
    });

    it('reports a server that exits before answering, with its exit code', async () => {
      await expect(MotoServer.start({ command: 'false' })).rejects.toThrow('false exited (1) before answering');
    });
  });
});
