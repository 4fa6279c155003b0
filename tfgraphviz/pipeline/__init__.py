"""The pipeline: options, the output folder, the manifest, and render()."""
