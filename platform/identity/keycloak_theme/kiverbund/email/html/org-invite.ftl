<#-- Keycloak's invitation mail with the town portal's address (the Organization's redirect URL without its
     /welcome/ route); the texts are the realm's messages set by identity.bootstrap. -->
<#import "template.ftl" as layout>
<@layout.emailLayout>
<#if firstName?has_content && lastName?has_content>
    ${kcSanitize(msg("orgInviteBodyPersonalizedHtml", link, linkExpiration, realmName, organization.name, linkExpirationFormatter(linkExpiration), firstName, lastName))?no_esc}
<#else>
    ${kcSanitize(msg("orgInviteBodyHtml", link, linkExpiration, realmName, organization.name, linkExpirationFormatter(linkExpiration)))?no_esc}
</#if>
<#if organization.redirectUrl?has_content>
    ${kcSanitize(msg("kiverbundPortalHtml", organization.redirectUrl?remove_ending("welcome/"), organization.name))?no_esc}
</#if>
</@layout.emailLayout>
