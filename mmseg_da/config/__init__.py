"""Code that reads and rewrites configs (the config files themselves are in ``configs/``): loading with the tools'
overrides (``loading``), walking the dicts and dataset configs (``walk``), overriding data roots, sizes and
schedules (``overrides``), the image-only inference pipeline (``inference_pipeline``) and test-time augmentation
(``tta``)."""
