"""The portfolio's PDF documents print Arabic shaped (joined letters, right-to-left order)."""

import zlib

from assura.portfolio.pdf import Document


def page_stream(doc: Document) -> bytes:
    """The first page's content stream, inflated (glyph ids as the PDF draws them)."""
    raw = bytes(doc.output())
    start = raw.index(b"stream\n", raw.index(b"/Filter")) + len(b"stream\n")
    return zlib.decompress(raw[start:raw.index(b"endstream", start)])


def document(*, shaping: bool) -> Document:
    doc = Document("Alliance Assurances", "Attestation")
    if not shaping:
        doc.set_text_shaping(False)
    doc.row("Nom (arabe)", "عائشة بن علي")
    return doc


def test_documents_shape_their_text():
    assert document(shaping=True).text_shaping is not None


def arabic_glyphs(doc: Document) -> set[str]:
    doc.output()
    return {glyph.glyph_name for glyph, _id in doc.fonts["dejavu"].subset.items()
            if glyph.unicode and 0x0600 <= glyph.unicode[0] <= 0x06FF}


def test_arabic_is_drawn_with_joined_forms_not_isolated_letters():
    # The letters of عائشة بن علي take their initial/medial/final forms (U+FExx glyphs) once shaped.
    shaped, unshaped = arabic_glyphs(document(shaping=True)), arabic_glyphs(document(shaping=False))
    assert any(name.startswith("uniFE") for name in shaped), shaped
    assert not any(name.startswith("uniFE") for name in unshaped), unshaped
    assert page_stream(document(shaping=True)) != page_stream(document(shaping=False))
