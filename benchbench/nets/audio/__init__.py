"""Audio networks: the published embedding networks that real audio extractors load.

- ``vggish``: VGGish and its log-mel front-end, as the Fréchet Audio Distance uses it.
- ``panns``: PANNs CNN14 (AudioSet tagger) and its torchlibrosa front-end.
"""
