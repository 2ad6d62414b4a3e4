"""Request–reply contracts, one module per answering service, or a package of modules by
sub-domain once one passes ~400 lines (competitions, mentoring, events)."""
