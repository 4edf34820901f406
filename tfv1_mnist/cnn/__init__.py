"""The seed's CNN: the TF2 custom loop (v2), the seed's Keras ``fit`` and the TF1 graph twin (v1)."""
