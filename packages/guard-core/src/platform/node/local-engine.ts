export { createLocalEngine } from '../../engine/local/local-engine.js';
