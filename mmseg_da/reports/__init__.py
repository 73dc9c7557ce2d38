"""Reports of finished training runs, read from their work dirs (``work_dir_logs``): the results table
(``results_table``, ``run_settings``), training curves (``plot_curves``), speed against accuracy (``plot_pareto``),
and the table formatter every report and console table uses (``tables``)."""
