"""Pure totals: goods -> discounts -> shipping -> duties -> total. No database, no policy lookups."""
