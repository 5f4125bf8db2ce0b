"""Markup of the demo world's pages, modelled on real CMS output.

Website: TRS WCM style (``t20200512_12345.html``, ``<meta name="ArticleTitle">``,
``div.TRS_Editor``). Catalog: a district 公开目录 with an 索引号 metadata table.
WeChat: an ``mp.weixin.qq.com/s/<id>`` article page. Feeds: WeWe-RSS-like Atom
for WeChat, RSSHub-like RSS 2.0 for Weibo. Functions return ``str``; the caller
encodes.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from demo.content import ACCOUNT, COLUMNS, OFFICE
from demo.world import BRIDGE, CATALOG, WEBSITE, WECHAT_BIZ, WEIBO_UID

UTF8_META = '<meta charset="utf-8">'
GBK_META = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'

FRIEND_LINKS = (
    ("中国政府网", "http://www.gov.cn/"),
    ("吉林省人民政府", "http://www.jl.gov.cn/"),
    ("吉林市人民政府", "http://www.jlcity.gov.cn/"),
    ("昌邑区人民政府", "http://www.jlscy.gov.cn/"),
    ("昌邑区政府信息公开", f"http://{CATALOG}/qtdw/xhj/gkml/"),
)

HOSTILE = (
    '<script>alert(1)</script>'
    '<p style="text-indent:2em;"><img src=x onerror="alert(2)">现场照片加载中。</p>'
    '<p style="text-indent:2em;">详细日程请<a href="javascript:alert(3)">点击这里</a>查看。</p>'
)


def _site_header(charset_meta: str, title: str, metas: str = "") -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset_meta}
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="吉林市昌邑区兴华街道办事处">
<meta name="SiteDomain" content="{WEBSITE}">
<meta name="SiteIDCode" content="2202020017">
{metas}<title>{escape(title)}</title>
<link href="/images/style.css" rel="stylesheet" type="text/css">
<script type="text/javascript" src="/images/jquery.min.js"></script>
</head>
<body>
<div class="top"><div class="w1200"><span class="fl">欢迎访问吉林市昌邑区兴华街道办事处网站</span><span class="fr"><a href="javascript:void(0);" onclick="AddFavorite()">加入收藏</a> | <a href="javascript:void(0);">无障碍浏览</a></span></div></div>
<div class="header"><div class="w1200"><a href="/" class="logo"><img src="/images/logo.png" alt="兴华街道办事处"></a>
<form class="search" action="/search/" method="get"><input type="text" name="q" placeholder="请输入关键字"><button type="submit">搜索</button></form></div></div>
<div class="nav"><ul class="w1200">
<li><a href="/">网站首页</a></li>
<li><a href="/xwzx/gzdt/">工作动态</a></li>
<li><a href="/xwzx/tzgg/">通知公告</a></li>
<li><a href="http://{CATALOG}/qtdw/xhj/gkml/">政务公开</a></li>
<li><a href="/bsfw/">便民服务</a></li>
<li><a href="/hdjl/">互动交流</a></li>
</ul></div>
"""


def _site_footer() -> str:
    links = "".join(f'<a href="{u}" target="_blank">{n}</a>' for n, u in FRIEND_LINKS)
    return f"""<div class="yqlj w1200"><span class="yqlj-title">友情链接：</span>
<select onchange="window.open(this.value)"><option value="">—市直部门—</option><option value="http://www.jlcity.gov.cn/">吉林市人民政府</option></select>
{links}</div>
<div class="footer"><div class="w1200">
<p>主办单位：吉林市昌邑区兴华街道办事处　　地址：吉林市昌邑区中兴街松江花园A号楼　　邮编：132002</p>
<p>联系电话：0432-62773959　　吉ICP备05001234号-1　　<a href="http://bszs.conac.cn/">党政机关</a>　　网站标识码：2202020017</p>
<p><a href="/admin/">管理登录</a></p>
</div></div>
</body>
</html>
"""


def website_list(column: str, rows: list[tuple[str, str, str]], page: int, pages: int, charset_meta: str) -> str:
    """One list page of a website column; ``rows`` are (relative href, title, yyyy-mm-dd)."""
    name = COLUMNS[column]
    lis = "\n".join(
        f'<li><a href="{h}" title="{escape(t)}" target="_blank">{escape(t)}</a><span class="date">{d}</span></li>'
        for h, t, d in rows
    )
    pager = [f'<span class="total">共{pages}页</span>', '<a href="index.html">首页</a>']
    if page > 0:
        prev = "index.html" if page == 1 else f"index_{page - 1}.html"
        pager.append(f'<a class="prev" href="{prev}">上一页</a>')
    pager.append(f'<span class="current">{page + 1}</span>')
    if page + 1 < pages:
        pager.append(f'<a class="next" href="index_{page + 1}.html">下一页</a>')
        pager.append(f'<a href="index_{pages - 1}.html">尾页</a>')
    metas = f'<meta name="ColumnName" content="{name}">\n<meta name="ColumnType" content="{name}">\n'
    return (
        _site_header(charset_meta, f"{name}_兴华街道办事处", metas)
        + f"""<div class="main w1200">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xwzx/">新闻中心</a> &gt; <span>{name}</span></div>
<div class="left-nav"><h3>新闻中心</h3><ul><li><a href="/xwzx/gzdt/">工作动态</a></li><li><a href="/xwzx/tzgg/">通知公告</a></li></ul></div>
<div class="list-box"><div class="list-title">{name}</div>
<ul class="list-ul">
{lis}
</ul>
<div class="page">{" ".join(pager)}</div>
</div>
</div>
"""
        + _site_footer()
    )


def _visible_date(t: datetime, style: int) -> str:
    if style == 0:
        return f"{t:%Y-%m-%d %H:%M}"
    if style == 1:
        return f"{t.year}年{t.month}月{t.day}日"
    return f"{t.year}/{t.month}/{t.day} {t:%H:%M}"


def paragraphs_html(paras: list[str]) -> str:
    """Paragraphs (already HTML-escaped) as CMS editor output."""
    return "\n".join(f'<p style="text-indent:2em;">{p}</p>' for p in paras)


def website_article(*, column: str, title: str, url: str, published: datetime, paras: list[str],
                    images: list[str], attachments: list[tuple[str, str]], date_style: int,
                    charset_meta: str, hostile: bool) -> str:
    name = COLUMNS[column]
    metas = (
        f'<meta name="ColumnName" content="{name}">\n'
        f'<meta name="ColumnType" content="{name}">\n'
        f'<meta name="ArticleTitle" content="{escape(title)}">\n'
        f'<meta name="PubDate" content="{published:%Y-%m-%d %H:%M}">\n'
        f'<meta name="ContentSource" content="{OFFICE}">\n'
        f'<meta name="Keywords" content="兴华街道,{name}">\n'
        f'<meta name="Url" content="{url}">\n'
    )
    body = [paragraphs_html(paras[:1])]
    for src in images:
        body.append(f'<p style="text-align:center;"><img src="{src}" border="0" alt="" style="width:600px;" OLDSRC="{src[2:]}"></p>')
    if hostile:
        body.append(HOSTILE)
    body.append(paragraphs_html(paras[1:]))
    att = ""
    if attachments:
        att = '\n<div class="attachments"><span>附件：</span>' + "".join(
            f'<a href="{h}" target="_blank">{escape(n)}</a><br>' for h, n in attachments) + "</div>"
    return (
        _site_header(charset_meta, f"{title}_兴华街道办事处", metas)
        + f"""<div class="main w1200">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xwzx/">新闻中心</a> &gt; <a href="../">{name}</a></div>
<div class="article">
<h1 class="article-title">{escape(title)}</h1>
<div class="article-info"><span>发布时间：{_visible_date(published, date_style)}</span><span>来源：{OFFICE}</span><span>浏览次数：<script language="javascript" src="/counter.js"></script></span><span class="font">字号：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a></span></div>
<div class="TRS_Editor"><style type="text/css">.TRS_Editor P{{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}}</style>
{chr(10).join(body)}
</div>{att}
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
</div>
"""
        + _site_footer()
    )


def website_home(latest: dict[str, list[tuple[str, str, str]]], charset_meta: str) -> str:
    boxes = []
    for col, rows in latest.items():
        lis = "\n".join(f'<li><a href="{h}" title="{escape(t)}">{escape(t)}</a><span>{d[5:]}</span></li>' for h, t, d in rows)
        boxes.append(f'<div class="index-box"><h3><a href="/xwzx/{col}/" class="more">更多&gt;&gt;</a>{COLUMNS[col]}</h3><ul>\n{lis}\n</ul></div>')
    return (
        _site_header(charset_meta, "吉林市昌邑区兴华街道办事处")
        + f'<div class="main w1200">\n<div class="banner"><img src="/images/banner.png" alt=""></div>\n{chr(10).join(boxes)}\n</div>\n'
        + _site_footer()
    )


# ---- the district catalog (公开目录) -------------------------------------

TREE = ("机构概况", "领导信息", "政策文件", "政策解读", "计划总结", "财政预决算", "人事信息", "工作动态",
        "通知公告", "重点领域信息公开", "政府信息公开年报", "政府信息公开制度")


def _catalog_header(title: str) -> str:
    tree = "".join(f'<li><a href="javascript:void(0);" onclick="loadChannel({i})">{n}</a></li>' for i, n in enumerate(TREE))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="SiteName" content="吉林市昌邑区人民政府信息公开">
<meta name="SiteDomain" content="{CATALOG}">
<meta name="ColumnName" content="兴华街道">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/css/xxgk.css">
</head>
<body>
<div class="xxgk-top"><div class="wrap"><h1>昌邑区人民政府信息公开</h1>
<ul class="xxgk-nav"><li><a href="/">首页</a></li><li><a href="/xxgkzn/">信息公开指南</a></li><li><a href="/xxgkzd/">信息公开制度</a></li><li><a href="/ysqgk/">依申请公开</a></li></ul></div></div>
<div class="wrap xxgk-body">
<div class="gkml-tree"><h3>兴华街道</h3><ul>{tree}</ul></div>
"""


_CATALOG_FOOTER = """</div>
<div class="xxgk-footer"><p>主办：吉林市昌邑区人民政府办公室　　技术支持：昌邑区政务服务和数字化建设管理局</p></div>
</body>
</html>
"""


def catalog_list(rows: list[tuple[str, str, str]], page: int, pages: int, first_no: int) -> str:
    trs = "\n".join(
        f'<tr><td>{first_no + i}</td><td class="title"><a href="{h}" title="{escape(t)}" target="_blank">{escape(t)}</a></td><td>{d}</td></tr>'
        for i, (h, t, d) in enumerate(rows)
    )
    pager = [f"<span>共{pages}页</span>"]
    if page > 0:
        pager.append(f'<a class="prev" href="{"index.html" if page == 1 else f"index_{page - 1}.html"}">上一页</a>')
    if page + 1 < pages:
        pager.append(f'<a class="next" href="index_{page + 1}.html">下一页</a>')
    return (
        _catalog_header("兴华街道_昌邑区人民政府信息公开")
        + f"""<div class="gkml-main">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/qtdw/">其他单位</a> &gt; <span>兴华街道</span></div>
<table class="gkml-list" width="100%" cellspacing="0" cellpadding="0">
<tr><th>序号</th><th>标题</th><th>发布日期</th></tr>
{trs}
</table>
<div class="page">{" ".join(pager)}</div>
</div>
"""
        + _CATALOG_FOOTER
    )


def catalog_detail(*, title: str, ids: dict[str, str], topic: str, published: datetime, paras: list[str],
                   attachments: list[tuple[str, str]], publisher: str = OFFICE) -> str:
    formed = datetime.fromisoformat(ids["formed_on"])
    att = ""
    if attachments:
        att = '\n<div class="attachments"><p>附件：</p><ul>' + "".join(
            f'<li><a href="{h}">{escape(n)}</a></li>' for h, n in attachments) + "</ul></div>"
    return (
        _catalog_header(f"{title}_昌邑区人民政府信息公开")
        + f"""<div class="gkml-main">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/qtdw/">其他单位</a> &gt; <a href="../">兴华街道</a></div>
<table class="xxgk-meta" width="100%" cellspacing="0" cellpadding="0">
<tr><th>索 引 号：</th><td>{ids["index_number"]}</td><th>主题分类：</th><td>{escape(topic)}</td></tr>
<tr><th>发布机构：</th><td>{escape(publisher)}</td><th>生成日期：</th><td>{formed:%Y年%m月%d日}</td></tr>
<tr><th>名　　称：</th><td colspan="3">{escape(title)}</td></tr>
<tr><th>文　　号：</th><td>{ids["doc_number"]}</td><th>发布日期：</th><td>{published:%Y年%m月%d日}</td></tr>
<tr><th>有 效 性：</th><td>有效</td><th>主 题 词：</th><td></td></tr>
</table>
<div class="xxgk-title"><h2>{escape(title)}</h2></div>
<div id="zoom"><div class="TRS_Editor">
{paragraphs_html(paras)}
</div></div>{att}
</div>
"""
        + _CATALOG_FOOTER
    )


# ---- WeChat --------------------------------------------------------------

def _js(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'").replace("<", "\\x3c").replace(">", "\\x3e")


def wechat_article(*, title: str, ids: dict[str, str], published: datetime, paras: list[str],
                   images: list[str], summary: str) -> str:
    link = f"http://mp.weixin.qq.com/s?__biz={WECHAT_BIZ}&mid={ids['mid']}&idx={ids['idx']}&sn={ids['sn']}#rd"
    js_link = link.replace("&", "\\x26amp;")
    body: list[str] = []
    for i, p in enumerate(paras):
        body.append(f'<p style="text-indent: 2em;line-height: 1.75em;"><span style="font-size: 16px;">{p}</span></p>')
        if i < len(images):
            body.append(
                f'<p style="text-align: center;"><img class="rich_pages wxw-img" data-ratio="0.6666667" '
                f'data-s="300,640" data-src="{images[i]}" data-type="jpeg" data-w="1080" style=""></p>')
    ts = int(published.timestamp())
    return f"""<!DOCTYPE html>
<html class="">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width,initial-scale=1.0,maximum-scale=1.0,user-scalable=0,viewport-fit=cover">
<link rel="dns-prefetch" href="//res.wx.qq.com">
<link rel="dns-prefetch" href="//mmbiz.qpic.cn">
<script nonce="" type="text/javascript">window.logs = {{pagetime: {{}}}}; window.logs.pagetime['html_begin'] = (+new Date());</script>
<meta name="description" content="{escape(summary)}">
<meta name="author" content="">
<meta property="og:title" content="{escape(title)}">
<meta property="og:url" content="{escape(link)}">
<meta property="og:image" content="{images[0] if images else ''}">
<meta property="og:description" content="{escape(summary)}">
<meta property="og:site_name" content="微信公众平台">
<meta property="og:type" content="article">
<meta property="og:article:author" content="">
<meta property="twitter:card" content="summary">
<meta property="twitter:title" content="{escape(title)}">
<title>{escape(title)}</title>
</head>
<body id="activity-detail" class="zh_CN wx_wap_page mm_appmsg comment_feature discuss_tab appmsg_skin_default appmsg_style_default">
<div id="js_article" class="rich_media">
<div id="js_top_ad_area" class="top_banner"></div>
<div class="rich_media_inner">
<div id="page-content" class="rich_media_area_primary">
<div class="rich_media_area_primary_inner">
<div id="img-content" class="rich_media_wrp">
<h1 class="rich_media_title " id="activity-name">
    {escape(title)}
</h1>
<div id="meta_content" class="rich_media_meta_list">
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt">
<a href="javascript:void(0);" class="wx_tap_link js_wx_tap_highlight weui-wa-hotarea" id="js_name">{ACCOUNT}</a>
</span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text"></em>
</div>
<div class="rich_media_content js_underline_content" id="js_content" style="visibility: hidden;">
<section style="margin: 0px 8px;">
{chr(10).join(body)}
</section>
<p style="text-align: center;"><span style="color: rgb(136, 136, 136);font-size: 14px;">编辑：兴华街道党政综合科</span></p>
</div>
<script type="text/javascript" nonce="">var first_sceen__time = (+new Date());</script>
<div class="rich_media_tool" id="js_toobar3"><a class="media_tool_meta meta_primary" id="js_view_source" href="##">阅读原文</a></div>
</div>
</div>
</div>
</div>
</div>
<script nonce="" type="text/javascript">
    var biz = ""||"{WECHAT_BIZ}";
    var sn = "" || "";
    var mid = "" || "";
    var idx = "" || "";
    var nickname = htmlDecode("{ACCOUNT}");
    var user_name = "gh_6a3d90c1f2e4";
    var ct = "{ts}";
    var publish_time = "{published:%Y-%m-%d}" || "";
    var msg_title = '{_js(title)}'.html(false);
    var msg_desc = htmlDecode("{_js(summary)}");
    var msg_cdn_url = "{images[0] if images else ''}";
    var msg_link = "{js_link}";
    var appmsg_type = "9";
    var copyright_stat = "0";
</script>
</body>
</html>
"""


def _rfc3339(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def wechat_atom(entries: list[tuple[datetime, str, str, str]]) -> str:
    """All entries (published, title, url, summary), newest first."""
    updated = _rfc3339(entries[0][0]) if entries else "2020-01-01T00:00:00+08:00"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<title>{ACCOUNT}</title>\n<subtitle>{ACCOUNT}微信公众号</subtitle>\n"
        f'<link href="http://{BRIDGE}/wechat/xinghua.atom" rel="self"/>\n'
        f'<link href="https://mp.weixin.qq.com/" rel="alternate"/>\n'
        f"<id>http://{BRIDGE}/wechat/xinghua.atom</id>\n<updated>{updated}</updated>\n"
        f"<author><name>{ACCOUNT}</name></author>\n<generator>WeWe RSS</generator>\n"
    ]
    for t, title, url, summary in entries:
        ts = _rfc3339(t)
        parts.append(
            f"<entry>\n<title>{xml_escape(title)}</title>\n<link href=\"{xml_escape(url)}\"/>\n<id>{xml_escape(url)}</id>\n"
            f"<published>{ts}</published>\n<updated>{ts}</updated>\n<summary>{xml_escape(summary)}</summary>\n</entry>\n"
        )
    parts.append("</feed>\n")
    return "".join(parts)


def weibo_rss(entries: list[tuple[datetime, str, str, str]]) -> str:
    """All posts (published, title, url, description html), newest first."""
    def rfc822(t: datetime) -> str:
        days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
        return f"{days[t.weekday()]}, {t.day:02d} {months[t.month - 1]} {t.year} {t:%H:%M:%S} +0800"

    built = rfc822(entries[0][0]) if entries else "Wed, 01 Jan 2020 00:00:00 +0800"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">\n<channel>\n'
        f"<title><![CDATA[{ACCOUNT}的微博]]></title>\n<link>https://weibo.com/{WEIBO_UID}/</link>\n"
        f'<atom:link href="http://{BRIDGE}/weibo/xinghua.xml" rel="self" type="application/rss+xml"/>\n'
        f"<description><![CDATA[{ACCOUNT}的微博 - Powered by RSSHub]]></description>\n"
        "<generator>RSSHub</generator>\n<webMaster>contact@rsshub.app (RSSHub)</webMaster>\n<language>zh-cn</language>\n"
        f"<lastBuildDate>{built}</lastBuildDate>\n<ttl>5</ttl>\n"
    ]
    for t, title, url, desc in entries:
        parts.append(
            f"<item>\n<title><![CDATA[{title}]]></title>\n<description><![CDATA[{desc}]]></description>\n"
            f"<pubDate>{rfc822(t)}</pubDate>\n<guid isPermaLink=\"false\">{url}</guid>\n<link>{url}</link>\n"
            f"<author><![CDATA[{ACCOUNT}]]></author>\n</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)
