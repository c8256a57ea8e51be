/**
 * Lets a command's output go into a pipe its reader closed early (`npm run bench | head -3`): the lines after that go
 * nowhere and the command ends as it would have, with its own exit code, instead of an unhandled EPIPE and a stack.
 * The doctor's, and the repository's other commands' (`npm run bench`, `npm run invoke`).
 */
export function ignoreClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}
