"""akhbar: Arabic news pages -> a clean, deduplicated, dated corpus in Parquet."""

__version__ = "0.1.0"
