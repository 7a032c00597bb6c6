// Fault benchmark: Redis behind Sentinel (redis-server primary + replica, three redis-sentinel
// on loopback), perfbot's real HTTP intake and BullMQ worker in this process, alerts streaming
// in from concurrent senders that retry a 503 like Alertmanager, and the primary SIGKILLed
// mid-stream. Each round runs twice in the same run: with the intake's WAIT for a replica
// (PERFBOT_REDIS_WAIT_REPLICAS=1, the default) and without it (=0, the baseline).
//
// Half the rounds also let the replica fall behind for --lag ms just before the kill (SIGSTOP,
// SIGCONT after it), as a congested replication link would: what the primary acknowledged in
// that window dies with it unless the intake waited for the replica.
//
//   npx tsx bench/failover.ts [--rounds 2] [--senders 16] [--kill-after 3000] [--lag 500]
import { parseArgs } from 'node:util';
import { type FailoverResult, runFailover } from '../test/support/failover.js';
import { haBinariesMissing } from '../test/support/redis-ha.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    lag: { type: 'string', default: '500' },
    senders: { type: 'string', default: '16' },
    'kill-after': { type: 'string', default: '3000' },
  },
});

const missing = haBinariesMissing();
if (missing) {
  console.log(`failover benchmark skipped: ${missing}`);
  process.exit(0);
}

const rows: string[] = [];
const row = (label: string, r: FailoverResult) =>
  `| ${label} | ${r.acknowledged} | ${r.lost} | ${r.responses503} | ${r.recoverySeconds.toFixed(2)} s | ${Math.round(r.ratePerSecond)} | ${r.jobsBefore && r.jobsAfter ? 'yes' : 'NO'} | ${r.auditVerified ? 'yes' : `NO (${r.auditProblem})`} |`;

for (let round = 1; round <= Number(values.rounds); round++) {
  for (const lag of [0, Number(values.lag)])
    for (const waitReplicas of [1, 0]) {
      const r = await runFailover({
        waitReplicas,
        senders: Number(values.senders),
        killAfterMs: Number(values['kill-after']),
        afterRecoveryMs: 2000,
        replicaLagMs: lag,
      });
      const label = `${round}: ${waitReplicas ? 'WAIT 1 replica' : 'no WAIT (baseline)'}, ${lag ? `replica ${lag} ms behind` : 'replica in sync'}`;
      rows.push(row(label, r));
      console.log(rows.at(-1));
    }
}

console.log(
  '\n| run | alerts answered 202 | of them lost | 503 answers (retried) | kill → first 202 | alerts/s before the kill | BullMQ jobs before and after | audit verifies against the last logged checkpoint |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
process.exit(0);
