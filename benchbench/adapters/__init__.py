"""Adapters by name: the built-in families, entry points, and ``module:function`` targets."""

from __future__ import annotations

from benchbench.adapters.base import Adapter
from benchbench.registry import Registry, RegistryError, load_target

ADAPTERS: Registry[type[Adapter]] = Registry(
    "adapter", base=Adapter, entry_point_group="benchbench.adapters"
)
ADAPTERS.register("gan", "benchbench.adapters.gan:GANAdapter")
ADAPTERS.register("vae", "benchbench.adapters.vae:VAEAdapter")
ADAPTERS.register("diffusion", "benchbench.adapters.diffusion:DiffusionAdapter")
ADAPTERS.register("text2image", "benchbench.adapters.text2image:Text2ImageAdapter")
ADAPTERS.register("latent-decoder", "benchbench.adapters.latent_decoder:LatentDecoderAdapter")
ADAPTERS.register("autoregressive", "benchbench.adapters.autoregressive:AutoregressiveAdapter")
ADAPTERS.register("hf-causal-lm", "benchbench.adapters.text_hf:HFCausalLMAdapter")
ADAPTERS.register("ngram-lm", "benchbench.adapters.text_ngram:NGramAdapter")
ADAPTERS.register("lstm-lm", "benchbench.adapters.text_lstm:LSTMAdapter")
ADAPTERS.register("replay", "benchbench.adapters.audio_baselines:ReplayAdapter")
ADAPTERS.register("noise", "benchbench.adapters.audio_baselines:NoiseAdapter")
ADAPTERS.register("wavenet", "benchbench.adapters.wavenet:WaveNetAdapter")
ADAPTERS.register("wavegan", "benchbench.adapters.wavegan:WaveGANAdapter")
ADAPTERS.register("diffwave", "benchbench.adapters.diffwave:DiffWaveAdapter")
ADAPTERS.register("video-replay", "benchbench.adapters.video_baselines:VideoReplayAdapter")
ADAPTERS.register("video-frozen", "benchbench.adapters.video_baselines:FrozenAdapter")
ADAPTERS.register("video-shuffled", "benchbench.adapters.video_baselines:ShuffledAdapter")
ADAPTERS.register("video-noise", "benchbench.adapters.video_baselines:VideoNoiseAdapter")
ADAPTERS.register("videogan", "benchbench.adapters.videogan:VideoGANAdapter")
ADAPTERS.register("video-diffusion", "benchbench.adapters.video_diffusion:VideoDiffusionAdapter")


def resolve_adapter(name: str) -> type[Adapter]:
    """A registered adapter name, or ``package.module:attr`` naming an Adapter class or a
    sampling function (wrapped by ``adapter_for_callable``)."""
    if ":" not in name:
        return ADAPTERS.get(name)
    obj = load_target(name)
    if isinstance(obj, type) and issubclass(obj, Adapter):
        return obj
    if callable(obj):
        from benchbench.adapters.function import adapter_for_callable

        return adapter_for_callable(obj, name)
    raise RegistryError(f"{name} is neither an Adapter subclass nor a sampling function")
