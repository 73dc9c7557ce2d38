"""Reading and writing files: atomic writes (``atomic_files``), the journal of written files (``file_manifest``),
torch's safe loading of mmengine checkpoints (``safe_load``), and errors for missing paths (``required_paths``)."""
