"""Audio networks: the zoo's raw-audio generators (waveforms in [-1, 1], mono, 8 kHz) and
the published embedding networks that real audio extractors load.

- ``conditioning``: the digit and a coarse clock, as per-sample conditioning vectors
  (WaveNet and DiffWave see 32 ms around each sample; the clock tells them where in the
  word they are).
- ``wavenet``: causal dilated convolutions over 8-bit µ-law codes; a naive and a cached
  (Fast WaveNet) sampler that give the same samples.
- ``wavegan``: a 1-D transposed-convolution generator and a phase-shuffling critic.
- ``diffwave``: a DiffWave-style noise predictor (dilated residual layers, diffusion-step
  embedding).
- ``vggish``: VGGish and its log-mel front-end, as the Fréchet Audio Distance uses it.
- ``panns``: PANNs CNN14 (AudioSet tagger) and its torchlibrosa front-end.
"""
