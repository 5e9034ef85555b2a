"""Seeded test data: Faker providers (providers.py), tariffs and lines (tariffs.py), contract formulas,
the world of AMCs / hosts / routes / establishments (world.py), the dataset builder (dataset.py: `build_dataset`,
`Dataset.draw_stays`), the named personas (personas.py: `persona_card`) and the bench's DataMatrix content
(datamatrix.py). Import the module you need: nothing heavy is imported here.
"""
