"""Evidence: immutable files and records that prove controls, with their provenance.

models.py holds the row, storage.py the bytes (behind the "evidence" alias of STORAGES),
content.py the media-type checks, services.py every write and the audited download.
"""
