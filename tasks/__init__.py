"""The pipeline's stages, one package or module each (installed as akhbar.tasks)."""
