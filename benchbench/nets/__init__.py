"""Neural network architectures of the embedded zoo, by name (see
``benchbench.nets.checkpoint``)."""

from __future__ import annotations

from torch import nn

from benchbench.registry import Registry

NETS: Registry[type[nn.Module]] = Registry(
    "net", base=nn.Module, entry_point_group="benchbench.nets"
)

NETS.register("dcgan-generator", "benchbench.nets.dcgan:Generator")
NETS.register("dcgan-discriminator", "benchbench.nets.dcgan:Discriminator")
NETS.register("dcgan64-generator", "benchbench.nets.dcgan64:Generator64")
NETS.register("cgan-generator", "benchbench.nets.dcgan:ConditionalGenerator")
NETS.register("cgan-discriminator", "benchbench.nets.dcgan:ProjectionDiscriminator")
NETS.register("vae", "benchbench.nets.vae:VAE")
NETS.register("gated-pixelcnn", "benchbench.nets.pixelcnn:GatedPixelCNN")
NETS.register("digits-cnn", "benchbench.nets.classifier:DigitsCNN")
NETS.register("spoken-digits-cnn", "benchbench.nets.audio_classifier:SpokenDigitsCNN")
NETS.register("moving-digits-cnn", "benchbench.nets.video_classifier:MovingDigitsCNN")
NETS.register("digits-clip", "benchbench.nets.digits_clip:DigitsCLIP")
NETS.register("byte-lstm", "benchbench.nets.lm.lstm:ByteLSTM")
NETS.register("wavenet", "benchbench.nets.audio.wavenet:WaveNet")
NETS.register("wavegan-generator", "benchbench.nets.audio.wavegan:WaveGANGenerator")
NETS.register("wavegan-critic", "benchbench.nets.audio.wavegan:WaveGANCritic")
NETS.register("diffwave", "benchbench.nets.audio.diffwave:DiffWave")
NETS.register("videogan-generator", "benchbench.nets.video.videogan:VideoGANGenerator")
NETS.register("videogan-critic", "benchbench.nets.video.videogan:VideoGANCritic")
NETS.register("video-dit", "benchbench.nets.video.dit:VideoDiT")
