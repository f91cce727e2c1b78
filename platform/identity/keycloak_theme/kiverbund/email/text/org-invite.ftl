<#ftl output_format="plainText">
<#if firstName?has_content && lastName?has_content>
${kcSanitize(msg("orgInviteBodyPersonalized", link, linkExpiration, realmName, organization.name, linkExpirationFormatter(linkExpiration), firstName, lastName))}
<#else>
${kcSanitize(msg("orgInviteBody", link, linkExpiration, realmName, organization.name, linkExpirationFormatter(linkExpiration)))}
</#if>
<#if organization.redirectUrl?has_content>
${kcSanitize(msg("kiverbundPortal", organization.redirectUrl?remove_ending("welcome/"), organization.name))}
</#if>
