import { UnauthenticatedError } from '@keyport/common';
import { Actor, UsersService } from '@keyport/users';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { CurrentActor, Public, RateLimit } from './auth.decorators';
import { API_TOKEN_TTL_SECONDS, AuthGuard } from './auth.guard';
import { LoginDto, TokenDto } from './dto';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthApiController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthGuard,
  ) {}

  @Post('login')
  @Public()
  @RateLimit('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenDto })
  @ApiUnauthorizedResponse({ description: 'Wrong email or password, or the account is deactivated' })
  async login(@Body() dto: LoginDto): Promise<TokenDto> {
    const user = await this.users.authenticate(dto.email, dto.password);
    if (!user) throw new UnauthenticatedError('Wrong email or password');
    return { token: this.auth.issueToken(user.id), expiresIn: API_TOKEN_TTL_SECONDS };
  }

  @Get('me')
  @ApiBearerAuth()
  me(@CurrentActor() actor: Actor): Actor {
    return actor;
  }
}
