import re

from reports.html import to_html, write_html

from report_samples import MASKED_PAN, PAN


def test_html_puts_the_requirement_matrix_first(sample_run, tmp_path):
    page = write_html(sample_run, tmp_path / "report.html").read_text()
    assert page.index('id="requirements"') < page.index('id="scenarios"')
    assert '<tr id="req-ROC-MSG-001">' in page and '<tr id="req-ROC-ANN-001">' in page
    row = page[page.index('<tr id="req-ROC-MSG-001">'):]
    row = row[:row.index("</tr>")]
    assert 'class="badge fail">fail<' in row and "<strong>roc.clc.amounts</strong>" in row
    assert "Verdict: <span class=\"badge error\">bench error</span>" in page


def test_html_masks_card_numbers_and_escapes_content(sample_run):
    page = to_html(sample_run)
    assert PAN not in page and MASKED_PAN in page
    assert "<script>" not in page and "not applicable to this SUT &lt;script&gt;" in page
    assert "GAP &lt;X&gt;" in page


def test_html_pins_schema_errors_to_the_element_line(sample_run):
    page = to_html(sample_run)
    bad = re.search(r'<span class="bad"><span class="ln">(\d+)</span>([^<]*)</span><span class="why">([^<]*)</span>', page)
    assert bad, "no pinned line"
    assert "&lt;roc:Montant&gt;-5&lt;/roc:Montant&gt;" in bad.group(2)
    assert "/CLCRequete/Lignes/Ligne[2]/Montant" in bad.group(3)
    assert '<ul class="problems"><li>an unplaced problem</li></ul>' in page
    assert 'href="#sc-roc.clc.amounts-journal-1"' in page and 'id="sc-roc.clc.amounts-journal-1"' in page


def test_html_is_self_contained_and_deterministic(sample_run):
    page = to_html(sample_run)
    assert not re.search(r'<(script|link|img|iframe)\b', page)
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert page == to_html(sample_run)
