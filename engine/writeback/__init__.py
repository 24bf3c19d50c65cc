"""Campaign writeback (seed 002): sent Prospect2 campaigns recorded in Tessitura, exactly once."""
