export {
  ensureConsumerConnection,
  ensureProducerConnection,
  getConsumerConnections,
  getProducerConnections,
} from './connection-checks.js';
