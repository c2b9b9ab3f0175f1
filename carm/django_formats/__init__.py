"""Django's own date formats, as close to the portal's (carm/formats.py) as a format string
comes, for what Django writes itself (the admin's history pages, a bare |date). A French
format string cannot write "1er": the portal's pages and the admin's columns use
carm.formats instead."""
