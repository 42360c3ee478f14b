"""The build pipeline: load, stage cache, validate, materialize, check, write and release."""
