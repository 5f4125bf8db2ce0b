"""The lxml HTML helpers in pipeline/htmltools.py keep what the collectors had from BeautifulSoup.

Each case is a trap of lxml: an XML encoding declaration in a str, markup after </html>,
script and comment text, selectors matching the element they start from, whitespace in
stored bodies (a changed body would make every stored post look edited).
"""

from __future__ import annotations

from lxml.cssselect import CSSSelector

from pipeline.config import Source
from pipeline.htmltools import inner_html, meta_content, metadata_table, parse_html, select, select_one, text_of
from sources.website import parse_article, parse_list
from sources.wechat import _js_vars
from pipeline.models import SHANGHAI

SOURCE = Source(name="site", kind="website", channel="website", url="http://www.example.gov.test/list/")


def test_a_str_with_an_xml_encoding_declaration_parses():
    page = parse_html('\ufeff<?xml version="1.0" encoding="gbk"?>\n<html><body><p>通知</p></body></html>')
    assert text_of(page) == "通知"


def test_markup_after_the_closing_html_tag_is_kept():
    page = parse_html("<html><body><p>正文</p></body></html><p>尾部</p><a href='/x.pdf'>附件</a>")
    assert text_of(page, "|") == "正文|尾部|附件"
    assert select_one(page, "a").get("href") == "/x.pdf"


def test_text_leaves_out_scripts_styles_and_comments_but_keeps_br_tails():
    page = parse_html("<div id=c>甲<br>乙<!-- 注释 --><script>var x = 1;</script>丙<style>p{}</style></div>")
    assert text_of(select_one(page, "#c"), "|") == "甲|乙|丙"


def test_selectors_match_below_the_element_and_take_the_first_alternative_that_matches():
    page = parse_html("<div class=a><div class=a><span>内</span></div></div><p class=b>乙</p>")
    outer = select_one(page, "div.a")
    assert text_of(select_one(outer, "div.a")) == "内"  # the inner one, never itself
    assert select_one(page, "#missing || p.b").text == "乙"
    assert select_one(page, "#missing || #absent") is None


def test_inner_html_collapses_blank_text_and_orders_attributes_as_stored_bodies_had_them():
    page = parse_html('<div id=c>\n\t\t<p>一</p>  <img src="a.png" alt="">\n<pre>  x\n  y </pre></div>')
    assert inner_html(select_one(page, "#c")) == '\n<p>一</p> <img alt="" src="a.png">\n<pre>  x\n  y </pre>'


def test_meta_content_and_metadata_table():
    page = parse_html('<meta name="ArticleTitle" content=""><meta property="ArticleTitle" content="不用">'
                      '<meta property="og:title" content=" 标题 "><table><tr><td>索引号：</td><td>QS-1</td>'
                      "<td><b>文号</b></td><td>青街发〔2021〕2号</td></tr></table>")
    assert meta_content(page, "ArticleTitle", "og:title") == "标题"
    assert metadata_table(page) == {"index_number": "QS-1", "doc_number": "青街发〔2021〕2号"}


def test_a_guessed_list_and_an_article_without_selectors():
    listing = parse_list("<ul><li><a href='/a/1.html'>第一条</a> 2024-05-01</li><li><a href='/a/2.html'>第二条</a>"
                         " <span>2024年5月2日</span></li></ul><a href='index_1.html'>下一页</a>",
                         "http://www.example.gov.test/list/", tz=SHANGHAI)
    assert [e.title for e in listing.entries] == ["第一条", "第二条"]
    assert listing.next_url == "http://www.example.gov.test/list/index_1.html"
    post = parse_article("<title>关于开展检查的通知_政府网</title><h1>关于开展检查的通知</h1>"
                         "<span>发布时间：2024-05-03 09:30</span><div class=TRS_Editor><p>正文</p>"
                         "<a href='f.pdf'>附件一</a></div>", "http://www.example.gov.test/a/3.html", SOURCE, tz=SHANGHAI)
    assert post.title == "关于开展检查的通知" and post.published_at.hour == 9
    assert post.body_text.startswith("正文") and post.attachments[0].name == "附件一"


def test_class_and_id_selectors_pick_what_cssselect_picks():
    # select() steps to the class/id attribute first (cheaper in libxml2): the same elements must come out.
    classes = ["a", " a ", "a\tb", "b\na", "ab", "a-b", "xa", "A", "", "a  a"]
    page = parse_html("".join(f'<div class="{c}" id="{i}"><span class="{c}">x</span></div>'
                              for c in classes for i in ("zoom", "zoom ", "Zoom", "")))
    for selector in (".a", "div.a", "span.a", ".a-b", "#zoom", "div#zoom", "span.a, #zoom", "div.b"):
        for root in (page, *page.iter("div")):
            assert select(root, selector) == [el for el in CSSSelector(selector, translator="html")(root)
                                              if el is not root or root is page], selector


def test_inner_html_gives_bare_attributes_an_empty_value_as_stored_bodies_had_them():
    page = parse_html('<div id=c><p data-x title="t">一</p><p title="t" data-x>二</p><p>\n</p></div>')
    assert inner_html(select_one(page, "#c")) == '<p data-x="" title="t">一</p><p data-x="" title="t">二</p><p>\n</p>'


def test_metadata_labels_split_or_beside_scripts_are_found():
    page = parse_html("<table><tr><td><b>索引</b>号：</td><td>QS-2</td><td>发布<script>x()</script>机构：</td>"
                      "<td>街道办</td><td>主题分类：政务</td></tr></table><span>网站标识码：123号</span>")
    assert metadata_table(page) == {"index_number": "QS-2", "publisher": "街道办", "topic": "政务"}


def test_labelled_date_skips_the_body_and_scripts_but_reads_comments():
    page = ("<title>通知_政府网</title><h1>关于开展检查的通知</h1><script>var s = '发布时间：2020-01-01';</script>"
            "{}<div class=TRS_Editor><p>发布时间：2021-02-02</p></div><p>发布日期：2022-03-03</p>")
    url = "http://www.example.gov.test/a/4.html"
    assert parse_article(page.format(""), url, SOURCE, tz=SHANGHAI).published_at.year == 2022
    assert parse_article(page.format("<!-- 发布时间：2023-04-04 -->"), url, SOURCE, tz=SHANGHAI).published_at.year == 2023


def test_wechat_js_vars_are_read_from_the_first_declaration_of_each():
    html = ('var ctx = "9"; var ct = "1590000000";\nvar nickname = "" || htmlDecode("兴华街道");\n'
            "var msg_title =\n  '标题\\'一'.html(false);\nvar ct = \"1\";\nvar msg_link = \"\";")
    assert _js_vars(html) == {"ct": "1590000000", "nickname": "兴华街道", "msg_title": "标题\\'一", "msg_link": ""}
