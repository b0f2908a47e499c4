"""Video networks: the zoo's video generators (clips ``[N, frames, 1, H, W]`` in [0, 1])
and the embedding networks that video extractors load.

- ``videogan``: VideoGAN's two-stream generator (static background, moving foreground and
  mask) and a 3-D convolutional projection critic.
- ``dit``: a diffusion transformer over space-time patches (tubelets), adaLN-zero
  conditioned on the diffusion step and the digit.
- ``i3d``: I3D Inception-v1 (Kinetics-400 logits), the Fréchet Video Distance's network.
- ``videomae``: VideoMAE-v2 ViT encoders, content-debiased FVD's features.
"""
