// A process that takes fwcert's run lock and holds it until it is killed (for lock tests).
import { RunLock } from '../../src/engine/lock.js';

RunLock.acquire(process.argv[2]!);
process.stdout.write('held\n');
setInterval(() => undefined, 60_000);
