"""Indonesian→English translation: segmentation, batching, model backends and aligned bilingual output."""
from translator.segment import segment
