"""The bundled example cases (`followup init --example NAME` copies one; examples/corpus is a comparison corpus).

Data only: this package holds facts files, installed with followup so the
README's first commands work without a checkout.
"""
