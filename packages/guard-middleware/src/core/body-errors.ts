// One home for both, shared with the generator: guard-core's wire helpers.
export { statusForError, VigilBodyTooLargeError } from '@vigil/guard-core/internal';
