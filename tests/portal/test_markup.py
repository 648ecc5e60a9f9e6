"""Staff-edited Markdown: rendered, sanitised, placeholders filled from the settings."""

from portal import markup


def test_placeholders_are_filled_and_unknown_ones_left_for_the_editor(settings):
    settings.PORTAL_INSURER_NAME = "Mutuelle Essai"
    settings.PORTAL_LEGAL = {"dpo_contact": "", "hebergeur": "Hébergeur SAS"}
    text = "{{ assureur }} · {{hebergeur}} · {{ dpo_contact }} · {{ inconnu }}"
    assert markup.fill_placeholders(text) == "Mutuelle Essai · Hébergeur SAS · [à renseigner] · {{ inconnu }}"


def test_markdown_is_rendered_and_anything_active_removed():
    html = markup.markdown_html(
        "## Titre\n\n**gras** <img src=x onerror=alert(1)>\n\n[lien](https://exemple.test) "
        "[piège](javascript:alert(1)) [données](data:text/html;base64,PHNjcmlwdD4=)\n\n"
        "| a | b |\n| --- | --- |\n| 1 | 2 |", placeholders=False)
    assert "<h2>Titre</h2>" in html and "<strong>gras</strong>" in html
    assert "<img" not in html and "onerror" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert '<a href="https://exemple.test" rel="noopener noreferrer nofollow">lien</a>' in html
    assert "javascript:" not in html.split("piège")[0] and 'href="data:' not in html
    assert "<table>" in html and "<td>1</td>" in html


def test_a_value_from_the_settings_cannot_inject_html(settings):
    settings.PORTAL_LEGAL = {"hebergeur": "<script>alert(1)</script>"}
    assert "<script>" not in markup.markdown_html("Hébergeur : {{ hebergeur }}")
