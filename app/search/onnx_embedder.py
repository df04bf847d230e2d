"""Query embeddings without torch: all-MiniLM-L6-v2 exported to ONNX, run by onnxruntime, tokenised by tokenizers.

A serving process loads this instead of sentence-transformers (about 300 MB less memory and no torch import);
the vectors are the same model's (a test checks cosine >= 0.9999 against sentence-transformers), so the
semantic index built by sentence-transformers at `make index` is searched as it was. `make index` exports the
model into the index folder when the export is missing (export_onnx).

Which model embeds at `make index` (the one rule, OnnxEmbedder.for_building): a store built from nothing (none
yet, `--force`, or made by another model) is embedded by sentence-transformers; an incremental build embeds its
few new passages or texts with this export, so a `make index` after an edit never imports torch (about 6 s of
a cold 10 s build). KB_SEMANTIC=torch uses sentence-transformers for everything.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.search.embedder import (
    MODEL_DIM,
    RELEVANCE_FLOOR,
    SentenceTransformerEmbedder,
    encode_in_batches,
    model_id,
    model_path,
)

logger = logging.getLogger(__name__)

#: all-MiniLM-L6-v2's sentence_bert_config.json: longer texts are truncated to this many tokens.
MAX_TOKENS = 256
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_folder(index_root: Path) -> Path:
    """Where the export of the installed model lives: beside the indexes, named by the model and its version."""
    return Path(index_root) / "onnx" / re.sub(r"[^A-Za-z0-9.=@-]+", "_", model_id())


def exported(index_root: Path) -> bool:
    target = export_folder(index_root)
    return (target / "model.onnx").exists() and (target / "tokenizer.json").exists()


def export_onnx(index_root: Path) -> Path | None:
    """Export the installed model to ONNX with its tokenizer, unless already done; returns the folder, or None
    when it was there already. Imports torch: called by `make index` only."""
    if exported(index_root):
        return None
    target = export_folder(index_root)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_path())).eval()  # nosec B615  # a local folder: no download

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shapes: a test checks the export against the model
        torch.onnx.export(LastHiddenState(), (sample, sample, torch.zeros_like(sample)), str(staging / "model.onnx"),
                          dynamo=False, input_names=list(INPUTS), output_names=["last_hidden_state"],
                          dynamic_axes={name: axes for name in (*INPUTS, "last_hidden_state")}, opset_version=17)
    shutil.copy(model_path() / "tokenizer.json", staging / "tokenizer.json")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    logger.info("embedding model exported to ONNX in %s", target)
    return target


class OnnxEmbedder:
    """The Embedder for serving: same model_id as SentenceTransformerEmbedder, so the index it built matches.

    prepare() exports the model at `make index`; for_building() says which model embeds a build.
    """

    def __init__(self, index_root: Path, threads: int = 1) -> None:
        self.index_root = Path(index_root)
        self.model_id = model_id()
        self.dim = MODEL_DIM
        self.relevance_floor = RELEVANCE_FLOOR
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._full_builder: SentenceTransformerEmbedder | None = None
        self._load_lock = threading.Lock()
        self._tokenize_lock = threading.Lock()  # fast tokenizers are not thread-safe (tokenizers#537)

    def for_building(self, incremental: bool) -> OnnxEmbedder | SentenceTransformerEmbedder:
        """A full build embeds with sentence-transformers, as the index has always been built; an incremental
        one (the store exists and this model made it) with this export when it is there: same vectors, no torch.
        """
        if incremental and exported(self.index_root):
            return self
        if self._full_builder is None:  # one model loaded for all of a build's stores
            self._full_builder = SentenceTransformerEmbedder(self.threads)
        return self._full_builder

    def prepare(self) -> None:
        """`make index`: export the model when the export is missing."""
        export_onnx(self.index_root)

    def load(self) -> None:
        with self._load_lock:
            if self._session is not None:
                return
            folder = export_folder(self.index_root)
            if not (folder / "model.onnx").exists():
                raise RuntimeError(f"no ONNX export of the embedding model in {folder}: run `make index`")
            import onnxruntime
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer.enable_truncation(MAX_TOKENS)
            tokenizer.enable_padding()  # the defaults are BERT's padding token, id 0, as this model's
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            # No arena: it keeps the peak of the largest batch (the assistant's evidence at warm-up, about
            # 550 MB more) for the life of the process; freed buffers go back to the system instead.
            options.enable_cpu_mem_arena = False
            session = onnxruntime.InferenceSession(str(folder / "model.onnx"), options,
                                                   providers=["CPUExecutionProvider"])
            self._tokenizer, self._session = tokenizer, session
            logger.info("embedding model loaded with onnxruntime: %s", self.model_id)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Mean of the token vectors over the attention mask, L2-normalised, as sentence-transformers does."""
        return self.encode_during(texts, None)

    def encode_during(self, texts: Sequence[str], start: Callable[[], None] | None) -> np.ndarray:
        """encode(), calling `start` once the texts are tokenised, just before the model runs: onnxruntime computes
        without the GIL, so work `start` hands to another thread runs meanwhile (app.search.semantic)."""
        if self._session is None:
            self.load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self._session

        def run(encodings: list[Any]) -> np.ndarray:
            nonlocal start
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            if start is not None:
                start, begin = None, start
                begin()
            (hidden,) = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
            weights = mask[:, :, None].astype(np.float32)
            return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)

        return encode_in_batches(texts, self.dim, self._tokenize_lock, self._tokenizer.encode_batch, run)
