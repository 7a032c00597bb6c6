// Topic and group names reach the broker verbatim. The playbook loader already validates them,
// but params can also come from a chat command or a queued job, so the integration checks
// again before any call leaves the process.
import { InvalidInputError } from '../../errors.js';
import { KAFKA_NAME } from '../../playbooks/kinds.js';

export function assertKafkaName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !KAFKA_NAME.test(value) || value === '.' || value === '..') {
    throw new InvalidInputError(field, `${field}: expected a Kafka name (letters, digits, ".", "_", "-")`);
  }
  return value;
}
