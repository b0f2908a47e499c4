"""Raw-audio generators of the embedded zoo (waveforms in [-1, 1], mono, 8 kHz).

- ``conditioning``: the digit and a coarse clock, as per-sample conditioning vectors
  (WaveNet and DiffWave see 32 ms around each sample; the clock tells them where in the
  word they are).
- ``wavenet``: causal dilated convolutions over 8-bit µ-law codes; a naive and a cached
  (Fast WaveNet) sampler that give the same samples.
- ``wavegan``: a 1-D transposed-convolution generator and a phase-shuffling critic.
- ``diffwave``: a DiffWave-style noise predictor (dilated residual layers, diffusion-step
  embedding).
"""
