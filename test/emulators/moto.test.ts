import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ORG_RECORD_BUCKET } from './aws.ts';
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

  describe('Methods: createBucket, readObject (S3)', () => {
    let moto: MotoServer;

    beforeAll(async () => {
      moto = await MotoServer.start();
      await moto.createBucket(ORG_RECORD_BUCKET);
    }, 45_000);
    afterAll(async () => {
      vi.unstubAllEnvs();
      await moto?.stop();
    });

    it('reads back what a client configured by its env alone (AWS_ENDPOINT_URL_S3, path-style) put there', async () => {
      // Prepare
      for (const [name, value] of Object.entries(moto.env)) vi.stubEnv(name, value);
      const s3 = new S3Client({ forcePathStyle: true });
      const record = JSON.stringify({ contactId: 'c-1', secretName: 'sfdc/contact-centre/acme' });

      // Act
      await s3.send(
        new PutObjectCommand({
          Bucket: ORG_RECORD_BUCKET,
          Key: 'folder/c-1',
          Body: record,
          ContentType: 'application/json',
        }),
      );
      s3.destroy();

      // Assess
      expect(await moto.readObject(ORG_RECORD_BUCKET, 'folder/c-1')).toEqual({
        body: record,
        contentType: 'application/json',
      });
      expect(await moto.readObject(ORG_RECORD_BUCKET, 'folder/none')).toBeUndefined();
    });
  });
});
