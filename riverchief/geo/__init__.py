"""Pure geometry on WGS84/CGCS2000 lon/lat: parsing, checks, lengths in metres, nearest lookups.

No Django here; the registry and later features call these functions.
"""
