"""OSCAL 1.x import and export: catalogs in, catalogs and assessment results out.

Documents are read as plain JSON and written as plain dicts; every document we write is
validated against compliance-trestle's pydantic models of the OSCAL schema before it
leaves, so an export that would not validate is never handed out.
"""
