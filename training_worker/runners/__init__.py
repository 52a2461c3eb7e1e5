"""TRL runners, one module per family. Imported only when a job runs (they import torch,
transformers, trl and peft at module level)."""
