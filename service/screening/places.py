"""Place names that, inside a company name, say where the company is registered or trades.

"Bank of China (Hong Kong) Limited" and "Bank of China (Singapore) Limited" are different
banks; "Bowne of Atlanta" and "Bowne of Boston" are different offices. The list holds the
countries and territories in English and in their own languages (folded, as `fold` writes
them), continents and a few regions, and the cities and provinces where companies on the
export-control and sanctions lists cluster. It is evidence, not a gazetteer: a place missing
here is compared as an ordinary word.
"""

from __future__ import annotations

_COUNTRIES = """
afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan
bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia
botswana brazil brunei bulgaria burkina burundi cambodia cameroon canada chad chile china
colombia comoros congo croatia cuba cyprus czechia czech denmark djibouti dominica ecuador
egypt eritrea estonia eswatini ethiopia fiji finland france gabon gambia georgia germany
ghana greece grenada guatemala guinea guyana haiti honduras hungary iceland india indonesia
iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya kiribati korea kosovo
kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein lithuania
luxembourg madagascar malawi malaysia maldives mali malta mauritania mauritius mexico
micronesia moldova monaco mongolia montenegro morocco mozambique myanmar burma namibia nauru
nepal netherlands holland nicaragua niger nigeria macedonia norway oman pakistan palau
palestine panama paraguay peru philippines poland portugal qatar romania russia rwanda samoa
senegal serbia seychelles singapore slovakia slovenia somalia spain sudan suriname sweden
switzerland syria taiwan tajikistan tanzania thailand togo tonga tunisia turkey turkiye
turkmenistan tuvalu uganda ukraine uruguay uzbekistan vanuatu venezuela vietnam yemen zambia
zimbabwe macau macao gibraltar bermuda greenland curacao aruba
deutschland schweiz suisse svizzera osterreich nederland norge sverige suomi danmark espana
mexico italia polska rossiya rossii ellada magyarorszag cesko hrvatska srbija turkiye nippon
zhongguo
"""
_MULTIWORD = """
united states|united kingdom|great britain|hong kong|south africa|south korea|north korea|
new zealand|saudi arabia|united arab emirates|sri lanka|costa rica|el salvador|puerto rico|
czech republic|dominican republic|ivory coast|cote divoire|papua new guinea|east timor|
sierra leone|south sudan|cayman islands|virgin islands|isle of man|marshall islands|
new york|los angeles|san francisco|hong kong sar|middle east|north america|south america|
latin america|asia pacific|inner mongolia|abu dhabi|st petersburg|saint petersburg|
kuala lumpur|
"""
_REGIONS_AND_CITIES = """
europe asia africa america americas oceania eurasia scandinavia nordic baltic caucasus
london paris berlin frankfurt munich zurich geneva vienna amsterdam rotterdam brussels madrid
barcelona milan rome moscow minsk kyiv kiev tehran dubai sharjah riyadh doha istanbul ankara
beijing shanghai shenzhen guangzhou guangdong tianjin chongqing chengdu wuhan hangzhou nanjing
xian suzhou dongguan xiamen zhejiang jiangsu shandong sichuan fujian hubei hunan shaanxi
liaoning dalian qingdao harbin guiyang guizhou hefei anhui zhuhai ningbo changsha kunming
yunnan nanchang jiangxi zhengzhou henan jinan shenyang changchun jilin taiyuan shanxi
shijiazhuang hebei lanzhou gansu urumqi xinjiang fuzhou nanning guangxi haikou hainan wuxi
foshan huizhou zhongshan mianyang xiangtan luoyang yantai weihai baotou
tokyo osaka seoul pyongyang taipei hsinchu bangkok jakarta
manila delhi mumbai bangalore karachi lahore dhaka tashkent almaty astana baku
yerevan tbilisi damascus beirut baghdad caracas havana sydney melbourne toronto vancouver
montreal novosibirsk yekaterinburg kazan samara tula izhevsk omsk perm ufa rostov voronezh
krasnoyarsk chelyabinsk
"""

PLACES: frozenset[str] = frozenset(
    _COUNTRIES.split() + _REGIONS_AND_CITIES.split()
    + [" ".join(p.split()) for p in _MULTIWORD.split("|") if p.strip()]
)
# The longest place in words, so a scan knows how far to look ahead.
LONGEST_PLACE = max(len(place.split()) for place in PLACES)
