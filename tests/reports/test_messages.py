from reports.messages import render_message

SOAP = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><r:IDB xmlns:r="urn:x">'
        '<r:Ligne><r:NIR>1</r:NIR></r:Ligne><r:Ligne><r:NIR>2</r:NIR></r:Ligne></r:IDB></s:Body></s:Envelope>')


def test_xml_is_pretty_printed_and_paths_are_pinned():
    shown = render_message(SOAP, ["/IDB/Ligne[2]/NIR: too short", "/IDB/Ligne/NIR: first one", "/Nope: lost"])
    assert shown.format == "xml"
    texts = [line.text for line in shown.lines]
    assert texts[0].startswith("<s:Envelope") and texts[-1] == "</s:Envelope>"
    pinned = {line.text.strip(): line.problems for line in shown.lines if line.problems}
    assert pinned == {"<r:NIR>2</r:NIR>": ("/IDB/Ligne[2]/NIR: too short",),
                      "<r:NIR>1</r:NIR>": ("/IDB/Ligne/NIR: first one",)}
    assert shown.unplaced == ("/Nope: lost",)


def test_json_and_text():
    assert render_message('{"a": [1, 2]}').format == "json"
    assert len(render_message('{"a": [1, 2]}').lines) == 6
    shown = render_message("first\nsecond\nthird", ["line 2: bad byte", "line 9: beyond"])
    assert shown.format == "text" and shown.lines[1].problems == ("line 2: bad byte",)
    assert shown.unplaced == ("line 9: beyond",)


def test_hostile_xml_is_shown_as_text_not_parsed():
    hostile = '<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'
    shown = render_message(hostile)
    assert shown.format == "text" and shown.lines[0].text == hostile


def test_malformed_xml_keeps_its_lines():
    shown = render_message("<a>\n<b>\n</a>", ["line 3: mismatched tag"])
    assert shown.format == "text" and shown.lines[2].problems == ("line 3: mismatched tag",)
    assert render_message("").lines == ()
