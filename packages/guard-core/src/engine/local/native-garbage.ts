/**
 * node-llama-cpp 3.21.1 creates a native sampler for every `controlledEvaluate` call; each holds
 * a candidates array of the vocabulary's size (128,256 x 12 bytes, 1.5 MB for Llama 3) that is
 * freed only when V8 finalizes the wrapper, and V8 does not know about it: without help the heap
 * sees no pressure and resident memory grew about 1.4 MB per classification (measured here:
 * 294 MB to 1.5 GB over a 1,000-line audit). Dropping an ArrayBuffer of the same size reports the
 * same amount as external memory, so V8 runs its collector as it would for memory it owns, and
 * the samplers go with the buffers.
 */
export function reportNativeSampler(vocabularySize: number) {
  void new ArrayBuffer(vocabularySize * 12);
}
