"""Layered charts whose marks draw one frame.

Altair turns a frame into Vega-Lite data (its rows as JSON, named by a hash of
them) once for every chart object that holds it, so a layer of marks each built
as ``alt.Chart(frame)`` converts and hashes the same frame once per mark. Here
the marks hold no data and the layer holds the frame: Vega-Lite gives a layer's
data to every mark without data of its own (https://vega.github.io/vega-lite/docs/layer.html),
so the chart draws the same. Marks with data of their own (a reference line,
annotations) keep it.
"""

from __future__ import annotations

import altair as alt
import pandas as pd


def marks(**encoding) -> alt.Chart:
    """A chart without data, with the encodings its marks share: each mark made
    from it draws the frame of the layer it is put in (:func:`shared`)."""
    return alt.Chart().encode(**encoding)


def shared(data: pd.DataFrame, *layers: alt.Chart | alt.LayerChart) -> alt.LayerChart:
    """``layers`` over ``data``, given once to the layer for the marks made by
    :func:`marks`."""
    return alt.layer(*layers, data=data)
