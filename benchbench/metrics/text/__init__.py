"""Text metrics: n-gram overlap with references (sacrebleu, rouge-score, our ROUGE-S),
embedding similarity (BERTScore), model likelihood (perplexity), diversity (distinct-n,
self-BLEU) and distribution distance (MAUVE). Each reports a corpus value, a bootstrap
interval over segments, N and a signature."""
