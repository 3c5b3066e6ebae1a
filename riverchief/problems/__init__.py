"""Problems (问题): reports, the handling workflow, deadlines, evidence and their timeline."""
