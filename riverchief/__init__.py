"""riverchief: the River and Lake Chief System (河湖长制) platform."""

__version__ = "0.1.0"
