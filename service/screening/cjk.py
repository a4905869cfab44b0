"""Names in Chinese, Japanese and Korean script, which run their words together.

Without a dictionary the text cannot be cut into words, but a company name there has a known
shape: a place first ("深圳市", Shenzhen), then the name, then what the company does ("技术",
technology) and the legal form ("有限公司", company limited). Those ends are taken off: the
legal form becomes a legal-form code, the place its Latin name (so "深圳华为" and "Shenzhen
Huawei" name the same place), the trade words generic words of their own. What is left is one
word, compared letter by letter. The index files these words under their pairs of characters.
"""

from __future__ import annotations

import re

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
RUN = re.compile(f"([{_CJK}]+)")
CHARACTER = re.compile(f"[{_CJK}]")

LEGAL_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("股份有限公司", "ltd"), ("有限责任公司", "ltd"), ("有限責任公司", "ltd"), ("有限公司", "ltd"),
    ("株式会社", "kk"), ("有限会社", "yk"), ("주식회사", "kk"), ("유한회사", "ltd"), ("公司", "co"),
)
LEGAL_PREFIXES: tuple[tuple[str, str], ...] = (("株式会社", "kk"), ("주식회사", "kk"))
TRADE_WORDS = ("技术", "技術", "科技", "电子", "電子", "通信", "集团", "集團", "控股", "投资",
               "贸易", "實業", "实业", "工业", "發展", "发展", "信息", "网络", "软件", "设备",
               "仪器", "光学", "精密", "航空", "能源", "系统", "数字", "电器", "机械", "制造",
               "国际", "國際", "银行", "銀行", "研究所", "研究院", "终端", "通讯", "器材",
               "材料", "化工", "医药", "生物", "汽车", "船舶", "重工", "动力", "半导体",
               "微电子", "光电", "自动化", "智能", "物流", "石油", "矿业", "钢铁", "工程",
               "建设", "咨询", "服务", "进出口", "商贸", "数据", "云计算", "船务", "船務", "航运")
# What the trade words say in English, for the Latin form of a name (`romanise`).
TRADE_MEANINGS = {
    "技术": "technology", "技術": "technology", "科技": "technology", "电子": "electronics",
    "電子": "electronics", "通信": "communications", "集团": "group", "集團": "group",
    "控股": "holdings", "投资": "investment", "贸易": "trading", "實業": "industry",
    "实业": "industry", "工业": "industry", "發展": "development", "发展": "development",
    "信息": "information", "网络": "network", "软件": "software", "设备": "equipment",
    "仪器": "instruments", "光学": "optical", "精密": "precision", "航空": "aviation",
    "能源": "energy", "系统": "systems", "数字": "digital", "电器": "electrical",
    "机械": "machinery", "制造": "manufacturing", "国际": "international",
    "國際": "international", "银行": "bank", "銀行": "bank", "研究所": "institute",
    "研究院": "academy", "终端": "devices", "通讯": "telecommunications", "器材": "equipment",
    "材料": "materials", "化工": "chemical", "医药": "pharmaceutical", "生物": "biotech",
    "汽车": "automotive", "船舶": "shipbuilding", "重工": "industry", "动力": "power",
    "半导体": "semiconductor", "微电子": "electronics", "光电": "optical",
    "自动化": "automation", "智能": "intelligent", "物流": "logistics", "石油": "petroleum",
    "矿业": "mining", "钢铁": "steel", "工程": "engineering", "建设": "construction",
    "咨询": "consulting", "服务": "services", "进出口": "import export", "商贸": "trading",
    "数据": "data", "云计算": "cloud computing", "船务": "shipping", "船務": "shipping",
    "航运": "shipping",
}
PLACES = {
    "中国": "china", "北京": "beijing", "上海": "shanghai", "深圳": "shenzhen", "广州": "guangzhou",
    "杭州": "hangzhou", "武汉": "wuhan", "成都": "chengdu", "天津": "tianjin", "重庆": "chongqing",
    "南京": "nanjing", "西安": "xian", "苏州": "suzhou", "香港": "hong kong", "澳门": "macau",
    "台湾": "taiwan", "广东": "guangdong", "浙江": "zhejiang", "江苏": "jiangsu",
    "山东": "shandong",
    "四川": "sichuan", "湖北": "hubei", "福建": "fujian", "东莞": "dongguan", "厦门": "xiamen",
    "青岛": "qingdao", "大连": "dalian", "哈尔滨": "harbin", "日本": "japan", "东京": "tokyo",
    "東京": "tokyo", "韩国": "korea", "首尔": "seoul",
}
_PLACE_ENDINGS = ("市", "省", "")


def take_apart(word: str, legal: list[str]) -> list[str]:
    """Split one run of CJK text into place, name and trade words; legal forms go to `legal`."""
    for prefix, code in LEGAL_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix):
            legal.append(code)
            word = word[len(prefix):]
    for suffix, code in LEGAL_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            legal.append(code)
            word = word[: -len(suffix)]
            break
    trade: list[str] = []
    while (found := next((t for t in TRADE_WORDS if word.endswith(t) and len(word) > len(t)),
                         None)) is not None:
        trade.insert(0, found)
        word = word[: -len(found)]
    place = _place(word)
    if place is not None:
        latin, length = place
        return [latin, word[length:], *trade]
    return [word, *trade]


def _place(word: str) -> tuple[str, int] | None:
    for name, latin in PLACES.items():
        for ending in _PLACE_ENDINGS:
            prefix = name + ending
            if word.startswith(prefix) and len(word) > len(prefix) + 1:
                return latin, len(prefix)
    return None
