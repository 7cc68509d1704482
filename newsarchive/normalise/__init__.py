"""Pure normalisation functions (text, dates, captions) used by the pipelines."""
