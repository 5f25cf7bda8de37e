// dynalite on its own thread, so that the embedded DynamoDB uses the second core instead of competing with the
// broker, the rules engine and the handlers for the main thread. Plain JavaScript: a worker does not inherit the tsx
// loader. Messages: → { type: 'listening', port } | { type: 'error', code, message }; ← 'close' → { type: 'closed' }.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => parentPort.postMessage({ type: 'error', code: error.code, message: error.message }));
server.listen(workerData.port, workerData.host, () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  server.close(() => parentPort.postMessage({ type: 'closed' }));
  server.closeAllConnections?.();
});
