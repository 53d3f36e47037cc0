"""Pure DataFrame transformations: DataFrames in, DataFrames out; no Dagster, no I/O.

The same functions run on local Spark and on EMR.
"""
