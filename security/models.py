"""RPP financial security and the annual review live here."""
