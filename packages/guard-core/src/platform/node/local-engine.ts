export { loadLocalEngine } from '../../engine/local/local-engine.js';
