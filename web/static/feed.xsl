<?xml version="1.0" encoding="utf-8"?>
<!-- Shows the Atom feed as a page when someone opens it in a browser; feed
     readers ignore it. No scripts, only the site's stylesheet. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom">
<xsl:output method="html" encoding="utf-8" indent="yes"/>
<xsl:template match="/atom:feed">
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:value-of select="atom:title"/> · 287(g) watch</title>
<link rel="stylesheet" href="/static/style.css"/>
<link rel="icon" href="data:,"/>
</head>
<body>
<header class="site"><a class="brand" href="/">287(g) watch</a></header>
<main id="main">
<h1><xsl:value-of select="atom:title"/></h1>
<p class="feed-note">This is an Atom feed. Copy its address from the browser's address bar into a feed reader to follow the changes;
or read them as a page at <a href="{atom:link[@rel='alternate']/@href}">the changes page</a>.</p>
<ul class="changes">
<xsl:for-each select="atom:entry">
<li>
<a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
<xsl:text> </xsl:text><span class="muted"><xsl:value-of select="substring(atom:updated, 1, 10)"/></span>
<xsl:if test="atom:link[@rel='related']"><xsl:text> · </xsl:text><a href="{atom:link[@rel='related']/@href}">the list</a></xsl:if>
</li>
</xsl:for-each>
</ul>
<xsl:if test="atom:link[@rel='next']"><p><a href="{atom:link[@rel='next']/@href}">Older changes</a></p></xsl:if>
</main>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
